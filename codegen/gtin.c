/* gtin.c — GTIN check digits and normalization. */
#include "codegen/gtin.h"

#include <errno.h>
#include <string.h>

/* Weights 3,1,3,… from the digit next to the check digit leftwards. */
char
gtin_check_digit(const char *digits, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';

		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* Checks length, digits and check digit; pads to 14 digits. */
int
gtin_normalize(const char *text, size_t len, char out[GTIN_LEN + 1])
{
	if (len != 8 && len != 12 && len != 13 && len != 14)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
	memset(out, '0', GTIN_LEN - len);
	memcpy(out + GTIN_LEN - len, text, len);
	out[GTIN_LEN] = '\0';
	if (gtin_check_digit(out, GTIN_LEN - 1) != out[GTIN_LEN - 1])
		return -EBADMSG;
	return 0;
}
