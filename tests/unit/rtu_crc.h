/*
 * The Modbus RTU frame check (CRC-16, polynomial 0xA001 reflected, from
 * 0xFFFF; sent low byte first), worked out here apart from drivers/ so that
 * the tests and the fuzzer check the driver's frames against their own.
 */
#ifndef LOBBYD_RTU_CRC_H
#define LOBBYD_RTU_CRC_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
rtu_crc16(const uint8_t *b, size_t n)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) :
			    (uint16_t)(crc >> 1);
	}
	return crc;
}

#endif
