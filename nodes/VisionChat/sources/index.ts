import type { INodeProperties } from 'n8n-workflow';
import { base64Source } from './base64';
import { binarySource } from './binary';
import type { ImageSourceKind } from './imageSource';
import { urlSource } from './urls';

const noneSource: ImageSourceKind = {
	value: 'none',
	name: 'None',
	description: 'Text only, no image',
	subtitle: ' · text',
	fields: [],
	read: async () => ({ images: [], notes: [] }),
};

/** Every value of "Image Input", in the order the form lists them. A new source is one file plus one entry here. */
export const imageSources: ImageSourceKind[] = [binarySource, urlSource, base64Source, noneSource];

export function imageSourceFor(value: string): ImageSourceKind {
	return imageSources.find((source) => source.value === value) ?? noneSource;
}

/** The "Image Input" parameter and each source's own fields, shown only for that source. */
export const imageInputProperties: INodeProperties[] = [
	{
		displayName: 'Image Input',
		name: 'imageInput',
		type: 'options',
		default: 'binary',
		description: 'Where the images come from',
		options: imageSources.map(({ name, value, description }) => ({ name, value, description })),
	},
	...imageSources.flatMap((source) => source.fields.map((field) => ({ ...field, displayOptions: { show: { imageInput: [source.value] } } }))),
];

/** The canvas subtitle: the model, then which source (nothing for the usual binary file). */
export const imageSubtitleExpression = `={{ ($parameter["model"].cachedResultName || $parameter["model"].value || $parameter["model"]) + (${JSON.stringify(
	Object.fromEntries(imageSources.map((source) => [source.value, source.subtitle])),
)})[$parameter["imageInput"]] }}`;
