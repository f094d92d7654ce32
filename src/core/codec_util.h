/*-------------------------------------------------------------------------
 *
 * codec_util.h
 *		Small helpers the text and binary codecs share: Postgres' input
 *		whitespace, and big-endian reads and writes.
 *
 * For the codecs in core/ only; pure C++, no server headers.  Reads and
 * writes go byte by byte, so alignment and host order don't matter.
 *
 * IDENTIFICATION
 *		src/core/codec_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_CORE_CODEC_UTIL_H
#define VECTORDB_CORE_CODEC_UTIL_H

#include <cstdint>
#include <cstring>

namespace vectordb::core::codec {

/* Postgres' isspace for input: the C locale set, as scanner_isspace uses */
inline bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline const char *
SkipSpace(const char *p)
{
	while (IsSpace(*p))
		p++;
	return p;
}

inline std::uint16_t
ReadUint16(const unsigned char *p)
{
	return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t
ReadUint32(const unsigned char *p)
{
	return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
		(std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

inline std::int32_t
ReadInt32(const unsigned char *p)
{
	return static_cast<std::int32_t>(ReadUint32(p));
}

inline float
ReadFloat4(const unsigned char *p)
{
	std::uint32_t bits = ReadUint32(p);
	float		value;

	std::memcpy(&value, &bits, sizeof(value));
	return value;
}

inline unsigned char *
WriteUint16(unsigned char *p, std::uint16_t v)
{
	p[0] = static_cast<unsigned char>(v >> 8);
	p[1] = static_cast<unsigned char>(v);
	return p + 2;
}

inline unsigned char *
WriteUint32(unsigned char *p, std::uint32_t v)
{
	p[0] = static_cast<unsigned char>(v >> 24);
	p[1] = static_cast<unsigned char>(v >> 16);
	p[2] = static_cast<unsigned char>(v >> 8);
	p[3] = static_cast<unsigned char>(v);
	return p + 4;
}

inline unsigned char *
WriteFloat4(unsigned char *p, float value)
{
	std::uint32_t bits;

	std::memcpy(&bits, &value, sizeof(bits));
	return WriteUint32(p, bits);
}

}								// namespace vectordb::core::codec

#endif							/* VECTORDB_CORE_CODEC_UTIL_H */
