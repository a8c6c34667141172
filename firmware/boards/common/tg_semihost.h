/* ARM semihosting (the debugger or QEMU serves file and console calls that the target
 * makes with `bkpt 0xab`). Only for programs run under QEMU -semihosting-config or a
 * debug probe: on a board without a debugger attached, bkpt faults. Operation numbers
 * and parameter blocks: Arm "Semihosting for AArch32 and AArch64", version 2. */
#ifndef TG_SEMIHOST_H
#define TG_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Open modes (the fopen() strings they stand for). */
enum { TG_SH_MODE_RB = 1, TG_SH_MODE_WB = 5, TG_SH_MODE_AB = 9 };

int32_t tg_sh_open(const char *path, int mode);        /* handle, or -1 */
int32_t tg_sh_close(int32_t handle);                   /* 0, or -1 */
int32_t tg_sh_flen(int32_t handle);                    /* bytes, or -1 */
/* Whole transfers: 0 when every byte moved, -1 otherwise (short read = end of file). */
int32_t tg_sh_read(int32_t handle, void *buf, size_t len);
int32_t tg_sh_write(int32_t handle, const void *buf, size_t len);
int32_t tg_sh_errno(void);
void tg_sh_write0(const char *s); /* to the host's console (QEMU: stderr/monitor) */
/* The command line QEMU was given with -semihosting-config arg=...: 0, or -1. */
int32_t tg_sh_cmdline(char *buf, size_t size);
/* Ends the emulation with this exit status (SYS_EXIT_EXTENDED). Does not return. */
void tg_sh_exit(int code) __attribute__((noreturn));

#endif
