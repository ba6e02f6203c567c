import { createJsonMarshaller } from '@synced-cache/json';
import { describeMarshaller } from '@synced-cache/testing';

describeMarshaller('@synced-cache/json', () => createJsonMarshaller(), { typeFaithful: true });
