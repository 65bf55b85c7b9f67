/** normalizePhone: what the phone parameters accept. */
import { normalizePhone } from '../../nodes/ZApi/actions/phone';

test('typed punctuation is removed, country code first', () => {
	expect(normalizePhone(' +55 11 98765.4321 ')).toBe('5511987654321');
	expect(normalizePhone('(1) 415-555-2671')).toBe('14155552671');
});

test('a LID passes as Z-API sends it, with its suffix in lower case', () => {
	expect(normalizePhone('81896604192873@lid')).toBe('81896604192873@lid');
	expect(normalizePhone(' 126104585119999@LID ')).toBe('126104585119999@lid');
});

test.each(['', '0044 20 7946 0958', '5511-ABC', '12345', '1234567890123456', '@lid', '12@lid', 'x81896604192873@lid'])('refuses %p', (text) => {
	expect(() => normalizePhone(text)).toThrow();
});
