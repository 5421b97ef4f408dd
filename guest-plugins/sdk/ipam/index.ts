export { readRange, readRangeSet, readRangeSets, checkRangeSetsDisjoint, rangeSetToString } from "./ranges";
export { readRoutes } from "./routes";
export { Attachment, VALID_ATTACHMENTS_KEY, readValidAttachments, hasAttachment } from "./attachments";
