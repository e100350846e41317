/* SPDX-License-Identifier: MIT */
/*
 * Edge cases of C layout and macros that the scanner must get right. Every value is
 * checked against gcc by the tests; nothing here states an expected value.
 */
#ifndef EDGE_EDGE_H
#define EDGE_EDGE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * struct edge_bits - bitfields, including a zero-width one that forces alignment
 * @a: three bits
 * @b: five bits
 * @c: starts a new unit after :0
 * @d: signed bitfield
 * @e: a bool bitfield
 */
struct edge_bits {
	__u32 a : 3;
	__u32 b : 5;
	__u32   : 0;
	__u32 c : 7;
	__s16 d : 4;
	_Bool e : 1;
	__u64 wide : 40;
	__u8 tail;
};

/* A union whose arms are anonymous structs, one of them nesting a union. */
union edge_config {
	struct {
		_Bool dma_setup_done;
		__u32 group_count;
	};
	struct {
		__u32 ioas_id;
		union {
			__s32 iommufd;
			__u64 cookie;
		};
	};
	__u8 raw[24];
};

struct edge_outer {
	__u32 argsz;
	__u32 flags;
	union {
		struct {
			__u16 lo;
			__u16 hi;
		};
		__u32 both;
	};
	struct {
		__u8 x;
		__u64 y;
	} named_member;
	__u32 matrix[3][5];
	__u8 cube[2][3][4];
};

struct edge_packed {
	__u8 tag;
	__u64 value;
	__u16 small;
} __attribute__((packed));

struct edge_aligned {
	__u8 first;
	__u32 second __attribute__((aligned(16)));
} __attribute__((aligned(16)));

/* Field names that are C# keywords. */
struct edge_keywords {
	__u32 event;
	__u32 params;
	__u64 object;
	__u8 string[8];
	__s32 base;
	__u32 checked;
	__u32 fixed;
	__u32 out;
	__u32 ref;
	__u32 internal;
};

struct edge_flex {
	__u32 size;
	__u32 count;
	__u64 items[];
};

struct edge_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 address;
	struct edge_bits bits;
	struct edge_flex_elements {
		__u16 id;
		__u16 len;
	} element;
};

enum edge_signed {
	EDGE_NEGATIVE = -5,
	EDGE_ZERO = 0,
	EDGE_BIG = 0x7fffffff,
};

enum edge_unsigned {
	EDGE_HIGH = 0x80000000u,
};

enum {
	EDGE_ANON_A = 1,
	EDGE_ANON_B = EDGE_ANON_A << 4,
};

#define EDGE_MINUS_ONE		(-1)
#define EDGE_TOP_BIT		(1 << 31)
#define EDGE_TOP_BIT_U		(1U << 31)
#define EDGE_LONG_MAX		0x7fffffffffffffffL
#define EDGE_ULONG_ALL		(~0UL)
#define EDGE_LONG_LONG		(-3LL)
#define EDGE_CHAR		'A'
#define EDGE_SHIFTED		(EDGE_ANON_B | 3)
#define EDGE_NAME		"edge-device"
#define EDGE_TYPE_MACRO		__u32

#define EDGE_IOC_MAGIC		'E'
#define EDGE_GET_ARGS		_IOR(EDGE_IOC_MAGIC, 1, struct edge_args)
#define EDGE_SET_ARGS		_IOW(EDGE_IOC_MAGIC, 2, struct edge_args)
#define EDGE_XCHG_BITS		_IOWR(EDGE_IOC_MAGIC, 3, struct edge_bits)
#define EDGE_SET_COUNT		_IOW(EDGE_IOC_MAGIC, 4, __u32)
#define EDGE_RESET		_IO(EDGE_IOC_MAGIC, 5)
#define EDGE_CONFIG		_IOWR(EDGE_IOC_MAGIC, 6, \
				      union edge_config)

#endif /* EDGE_EDGE_H */
