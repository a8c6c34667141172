/* Board services shared by the four QEMU boards: CMSDK APB UART0 (polled TX, RX polled or
 * by interrupt into a ring), CMSDK AHB
 * GPIO0 marker, board facts, and the default fault report. */
#include "tg_board.h"

#include "board_config.h"
#include "tg_text.h"
#include "tg_timer.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART registers (Arm CMSDK technical reference, DDI 0479). */
#define UART_DATA REG32(TG_BOARD_UART0 + 0x000u)
#define UART_STATE REG32(TG_BOARD_UART0 + 0x004u)
#define UART_CTRL REG32(TG_BOARD_UART0 + 0x008u)
#define UART_INTSTATUS REG32(TG_BOARD_UART0 + 0x00Cu) /* write 1 to clear */
#define UART_BAUDDIV REG32(TG_BOARD_UART0 + 0x010u)
#define UART_STATE_TX_FULL (1u << 0)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_TX_EN (1u << 0)
#define UART_CTRL_RX_EN (1u << 1)
#define UART_CTRL_RX_INT_EN (1u << 3)
#define UART_INT_RX (1u << 1)

#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_ICPR(n) REG32(0xE000E280u + 4u * (n))

/* Bound of the TX wait, in polls: one byte at 115200 baud lasts 87 us, a few thousand
 * core cycles; 200000 polls is some tens of milliseconds at the boards' clocks. */
#define UART_TX_POLLS 200000u

/* CMSDK AHB GPIO: OUTENSET, ALTFUNCCLR, and the byte-masked data alias for bits 0..7
 * (a write to MASKLOWBYTE + (mask << 2) changes only the bits in mask). */
#define GPIO_OUTENSET REG32(TG_BOARD_GPIO0 + 0x010u)
#define GPIO_ALTFUNCCLR REG32(TG_BOARD_GPIO0 + 0x01Cu)
#define GPIO_MASKLOWBYTE(mask) REG32(TG_BOARD_GPIO0 + 0x400u + ((uint32_t)(mask) << 2))

#ifndef TG_MARKER_PIN
#define TG_MARKER_PIN 0
#endif
_Static_assert(TG_MARKER_PIN >= 0 && TG_MARKER_PIN <= 7, "TG_MARKER_PIN must be 0..7");
#define MARKER_MASK (1u << TG_MARKER_PIN)

_Static_assert(TG_BOARD_UART_PCLK_HZ / TG_UART_BAUD >= 16, "CMSDK UART needs BAUDDIV >= 16");

static const tg_board_info board_info = {
    .board = TG_BOARD_NAME,
    .core = TG_BOARD_CORE,
#if defined(__ARM_PCS_VFP)
    .float_abi = "hard",
#else
    .float_abi = "soft",
#endif
    .cpu_hz = TG_BOARD_CPU_HZ,
};

const tg_board_info *tg_board_get_info(void) { return &board_info; }

void tg_board_init(void) {
  UART_CTRL = 0;
  UART_BAUDDIV = TG_BOARD_UART_PCLK_HZ / TG_UART_BAUD;
  UART_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN;
  GPIO_ALTFUNCCLR = MARKER_MASK;
  GPIO_MASKLOWBYTE(MARKER_MASK) = 0;
  GPIO_OUTENSET = MARKER_MASK;
  tg_timer_init();
}

int tg_uart_putc(uint8_t c) {
  for (uint32_t polls = 0; polls < UART_TX_POLLS; ++polls) {
    if ((UART_STATE & UART_STATE_TX_FULL) == 0) {
      UART_DATA = c;
      return 0;
    }
  }
  return -1;
}

int tg_uart_write(const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; ++i) {
    if (tg_uart_putc(p[i]) != 0) return -1;
  }
  return 0;
}

/* RX ring: the handler alone advances rx_head, the reader alone rx_tail; both run free
 * (the difference is the fill, at most TG_UART_RX_RING), so no lock is needed on a
 * single core: 32-bit loads and stores are atomic. */
_Static_assert((TG_UART_RX_RING & (TG_UART_RX_RING - 1u)) == 0, "TG_UART_RX_RING must be a power of two");
static volatile uint8_t rx_ring[TG_UART_RX_RING];
static volatile uint32_t rx_head, rx_tail, rx_lost;
static int rx_irq_on;

void UART0RX_Handler(void);
void UART0RX_Handler(void) {
  /* Clear first: a byte that lands after the drain below raises the interrupt again. */
  UART_INTSTATUS = UART_INT_RX;
  while ((UART_STATE & UART_STATE_RX_FULL) != 0) {
    uint8_t c = (uint8_t)(UART_DATA & 0xFFu);
    uint32_t head = rx_head;
    if (head - rx_tail < TG_UART_RX_RING) {
      rx_ring[head & (TG_UART_RX_RING - 1u)] = c;
      rx_head = head + 1u;
    } else {
      rx_lost = rx_lost + 1u;
    }
  }
}

void tg_uart_rx_irq_enable(void) {
  if (rx_irq_on) return;
  rx_irq_on = 1;
  UART_INTSTATUS = UART_INT_RX;
  NVIC_ICPR(TG_BOARD_UART0_RX_IRQ / 32u) = 1u << (TG_BOARD_UART0_RX_IRQ % 32u);
  NVIC_ISER(TG_BOARD_UART0_RX_IRQ / 32u) = 1u << (TG_BOARD_UART0_RX_IRQ % 32u);
  UART_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INT_EN;
  /* A byte that arrived while polling was still in force raised no interrupt. */
  __asm__ volatile("cpsid i" ::: "memory");
  UART0RX_Handler();
  __asm__ volatile("cpsie i" ::: "memory");
}

uint32_t tg_uart_rx_overflows(void) { return rx_lost; }
uint32_t tg_uart_rx_count(void) { return rx_head; }

int tg_uart_getc(uint32_t max_polls) {
  for (uint32_t polls = 0; polls < max_polls; ++polls) {
    if (rx_irq_on) {
      uint32_t tail = rx_tail;
      if (rx_head != tail) {
        int c = rx_ring[tail & (TG_UART_RX_RING - 1u)];
        rx_tail = tail + 1u;
        return c;
      }
    } else if ((UART_STATE & UART_STATE_RX_FULL) != 0) {
      return (int)(UART_DATA & 0xFFu);
    }
  }
  return -1;
}

void tg_marker_set(int level) { GPIO_MASKLOWBYTE(MARKER_MASK) = level ? MARKER_MASK : 0u; }

void tg_fault_format(const tg_fault *f, char *buf, size_t size) {
  tg_text t;
  tg_text_init(&t, buf, size);
  tg_text_str(&t, "FAULT ");
  tg_text_str(&t, f->name);
  tg_text_str(&t, " pc=");
  tg_text_hex32(&t, f->pc);
  tg_text_str(&t, " lr=");
  tg_text_hex32(&t, f->lr);
  tg_text_str(&t, " xpsr=");
  tg_text_hex32(&t, f->xpsr);
  tg_text_str(&t, " cfsr=");
  tg_text_hex32(&t, f->cfsr);
  tg_text_str(&t, " hfsr=");
  tg_text_hex32(&t, f->hfsr);
  tg_text_str(&t, " mmfar=");
  tg_text_hex32(&t, f->mmfar);
  tg_text_str(&t, " bfar=");
  tg_text_hex32(&t, f->bfar);
  tg_text_str(&t, "\r\n");
}

/* Default: report on the UART (the only channel every board has) and stop. */
__attribute__((weak)) void tg_fault_hook(const tg_fault *f) {
  char line[200];
  tg_fault_format(f, line, sizeof line);
  for (const char *p = line; *p != '\0'; ++p) (void)tg_uart_putc((uint8_t)*p);
  for (;;) {
  }
}
