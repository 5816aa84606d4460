/*
 * crc32.h - CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, init and
 * xorout 0xFFFFFFFF), the checksum of the .sqm file (docs/model-format.md).
 * sq_crc32("123456789", 9) = 0xCBF43926.
 */
#ifndef SPARQ_CRC32_H
#define SPARQ_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC of p[0..n). p may be NULL when n is 0. */
uint32_t sq_crc32(const uint8_t *p, size_t n);

/* Incremental form: start with crc = 0 and feed the pieces in order;
 * sq_crc32_update(sq_crc32_update(0, a, na), b, nb) = sq_crc32(a ++ b). */
uint32_t sq_crc32_update(uint32_t crc, const uint8_t *p, size_t n);

#endif
