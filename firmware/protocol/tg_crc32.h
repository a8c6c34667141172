/* CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF) of
 * every frame and of an uploaded model. CRC("123456789") = 0xCBF43926. */
#ifndef TG_CRC32_H
#define TG_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t tg_crc32(const void *data, size_t n);
/* Incremental form: crc = tg_crc32_update(TG_CRC32_INIT, ...) ...; result = crc ^ 0xFFFFFFFF. */
#define TG_CRC32_INIT 0xFFFFFFFFu
uint32_t tg_crc32_update(uint32_t crc, const void *data, size_t n);

#endif
