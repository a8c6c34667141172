/* Board services for the firmware: start-up facts, the CMSDK UART that carries the serial
 * protocol, the GPIO marker for energy meters. One implementation serves the four QEMU
 * boards (mps2-an385, mps2-an386, mps2-an500, mps3-an547); the per-board differences are
 * constants in firmware/boards/<board>/board_config.h. The tick source is tg_timer.h. */
#ifndef TG_BOARD_H
#define TG_BOARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *board;     /* "mps2-an386" */
  const char *core;      /* "cortex-m4" */
  const char *float_abi; /* "hard" (FPU used, enabled at reset) or "soft" */
  uint32_t cpu_hz;       /* nominal core clock of the FPGA image */
} tg_board_info;

/* UART (115200 8N1), GPIO marker (low) and tick source. Call once, first thing in main. */
void tg_board_init(void);
const tg_board_info *tg_board_get_info(void);

/* CMSDK APB UART0. Transmit is polled; receive is polled until tg_uart_rx_irq_enable(),
 * then the RX interrupt moves every byte into a ring of TG_UART_RX_RING bytes as it
 * arrives, so bytes that come while the core computes are kept (the CMSDK UART holds one
 * byte: a polled receiver loses the rest on a real board). The waits are bounded so that
 * a stuck peripheral cannot hang the firmware: the calls give up and say so. */
#define TG_UART_BAUD 115200u
#define TG_UART_RX_RING 4096u /* a power of two */
int tg_uart_putc(uint8_t c);                      /* 0, or -1 when TX stayed full */
int tg_uart_write(const void *data, size_t len);  /* 0, or -1 on the first byte that timed out */
int tg_uart_getc(uint32_t max_polls);             /* 0..255, or -1 when nothing came */
void tg_uart_rx_irq_enable(void);                 /* from now on, receive into the ring */
/* Bytes lost since boot because the ring was full (the newest byte is the one dropped). */
uint32_t tg_uart_rx_overflows(void);
/* Bytes the interrupt has put into the ring since boot (free-running, wraps at 2^32). */
uint32_t tg_uart_rx_count(void);

/* Stack high-water mark: the reset handler paints the free stack; this counts the bytes
 * that have been overwritten since (a lower bound of the peak, exact unless a frame
 * happened to store the paint value). */
size_t tg_board_stack_used(void);
size_t tg_board_stack_size(void);

/* GPIO marker for energy meters: one pin of CMSDK AHB GPIO0 (TG_MARKER_PIN, default 0,
 * must be 0..7), written through the byte-masked alias so no read-modify-write is
 * needed. On real MPS2/MPS3 boards the pin reaches the expansion header; QEMU maps the
 * GPIO block as an unimplemented device, so there the write is accepted and ignored. */
void tg_marker_set(int level);

/* What the fault handlers saw. A program may define tg_fault_hook() (a weak default prints
 * the record on the UART and stops); it must not return. */
typedef struct {
  const char *name; /* "HardFault", "MemManage", "BusFault", "UsageFault", "NMI", "IRQ" */
  uint32_t pc, lr, xpsr;
  uint32_t cfsr, hfsr, mmfar, bfar;
} tg_fault;
void tg_fault_hook(const tg_fault *f);
/* Writes "FAULT <name> pc=0x... cfsr=0x..." into buf (NUL-terminated, truncated). */
void tg_fault_format(const tg_fault *f, char *buf, size_t size);

#endif
