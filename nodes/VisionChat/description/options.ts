import type { INodeProperties } from 'n8n-workflow';
import { bodyOptionFields, type BodyOptions } from '../request/bodyOptions';
import { imageOptionFields, type ImageOptions } from '../sources/imageOptions';
import { transportOptionFields, type TransportOptions } from '../execute/transportOptions';
import { outputOptionFields, type OutputOptions } from '../outputs/outputOptions';
import { structuredOptionFields, type StructuredOptions } from '../structured/structuredOptions';
import { documentOptionFields, type DocumentOptions } from '../documents/documentOptions';
import { conversationOptionFields, type ConversationOptions } from '../conversation/conversationOptions';

/** The `options` collection as n8n hands it over; every field absent unless the user added it. */
export type VisionChatOptions = BodyOptions & StructuredOptions & ImageOptions & DocumentOptions & TransportOptions & OutputOptions & ConversationOptions;

/** One collection in the form (workflows store it as `options`), declared beside the code each group drives. */
export const optionsCollection: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [...bodyOptionFields, ...structuredOptionFields, ...imageOptionFields, ...documentOptionFields, ...transportOptionFields, ...outputOptionFields, ...conversationOptionFields].sort((a, b) =>
		a.displayName.localeCompare(b.displayName),
	),
};
