import { choosePages } from '../../../nodes/VisionChat/documents/pageSelection';

describe('which pages of a PDF are sent', () => {
	it('all pages up to the limit when nothing is selected, and says which were left out', () => {
		expect(choosePages('', 3, 10, 'the PDF')).toEqual({ pages: [1, 2, 3] });
		expect(choosePages(undefined, 24, 10, 'the PDF')).toEqual({ pages: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], leftOut: '11-24' });
		expect(choosePages(' ', 11, 10, 'the PDF')).toEqual({ pages: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], leftOut: '11' });
	});

	it('reads pages and ranges, open-ended ones too, in page order without repeats', () => {
		expect(choosePages('1-3, 5, 8-', 9, 10, 'the PDF')).toEqual({ pages: [1, 2, 3, 5, 8, 9] });
		expect(choosePages('4,2, 2-3', 5, 10, 'the PDF')).toEqual({ pages: [2, 3, 4] });
	});

	it('a selection outside the document names both numbers', () => {
		expect(() => choosePages('5-9', 3, 10, 'Binary property "data" of item 0')).toThrow('Pages 5-9 asked, Binary property "data" of item 0 has 3 pages');
	});

	it('an explicit selection longer than the limit is an error naming both numbers', () => {
		expect(() => choosePages('1-12', 20, 10, 'the PDF')).toThrow('"PDF Pages" selects 12 pages of the PDF, more than "PDF Max Pages" (10)');
	});

	it.each(['a', '0', '3-1', '1-2-3'])('refuses %j', (selection) => {
		expect(() => choosePages(selection, 5, 10, 'the PDF')).toThrow(/"PDF Pages" has/);
	});
});
