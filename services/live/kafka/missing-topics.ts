// Which of the topics a command needs the cluster does not have. Topics are the deployment's to create
// (partitions, retention, access control): no command creates them.
import type { Admin } from 'kafkajs';
import { brokerFailure } from '../errors.js';

/** The topics of `required` the cluster does not list, in the order given; a failure to ask is a broker failure. */
export async function missingTopics(admin: Admin, required: readonly string[]): Promise<string[]> {
  let present: string[];
  try {
    await admin.connect();
    present = await admin.listTopics();
  } catch (error) {
    throw brokerFailure(error, 'listing topics');
  }
  return required.filter((topic) => !present.includes(topic));
}
