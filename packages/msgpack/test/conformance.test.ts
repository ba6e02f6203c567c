import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { describeMarshaller } from '@synced-cache/testing';

describeMarshaller('@synced-cache/msgpack', () => createMsgpackMarshaller(), { typeFaithful: true });
describeMarshaller('@synced-cache/msgpack (records)', () => createMsgpackMarshaller({ records: true }), {
  typeFaithful: true,
});
