/* Vector table and reset handler for the Cortex-M boards, in C (no assembly file). The
 * reset handler turns the FPU on (hard-float builds), copies .data out of the code
 * region, zeroes .bss, paints the stack for the high-water mark, enables the precise
 * fault handlers and the divide-by-zero trap (a kernel that divides by zero should fail
 * loudly, not return 0 as the hardware does by default), then runs main(). */
#include <stdint.h>
#include <string.h>

#include "board_config.h"
#include "tg_board.h"

extern uint32_t __stack_top[];
extern uint32_t __stack_limit[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

int main(void);
void Reset_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SecureFault_Handler(void);
void Default_Handler(void);
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
/* UART0's receive interrupt: tg_board.c defines it (the RX ring); taken only once
 * tg_uart_rx_irq_enable() has enabled it. */
void UART0RX_Handler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*tg_handler)(void);

typedef struct {
  uint32_t *initial_sp;
  tg_handler vectors[15 + TG_BOARD_IRQS];
} tg_vector_table;

__attribute__((section(".vectors"), used)) const tg_vector_table tg_vector_table_rom = {
    .initial_sp = __stack_top,
    .vectors =
        {
            [0] = Reset_Handler,
            [1] = NMI_Handler,
            [2] = HardFault_Handler,
            [3] = MemManage_Handler,
            [4] = BusFault_Handler,
            [5] = UsageFault_Handler,
            [6] = SecureFault_Handler, /* ARMv8-M only; reserved (never taken) on v7-M */
            [10] = SVC_Handler,
            [11] = DebugMon_Handler,
            [13] = PendSV_Handler,
            [14] = SysTick_Handler,
#if TG_BOARD_UART0_RX_IRQ > 0
            [15 ...(15 + TG_BOARD_UART0_RX_IRQ - 1)] = Default_Handler,
#endif
            [15 + TG_BOARD_UART0_RX_IRQ] = UART0RX_Handler,
            [(15 + TG_BOARD_UART0_RX_IRQ + 1)...(15 + TG_BOARD_IRQS - 1)] = Default_Handler,
        },
};

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)
#define SCB_CPACR REG32(0xE000ED88u)

#define TG_STACK_PAINT 0xA5A5A5A5u

/* Only in builds that use the FPU: a soft-float build leaves it off, so that any stray
 * floating-point instruction faults instead of running. */
#if defined(__ARM_FP)
static void fpu_enable(void) {
  SCB_CPACR |= (0xFu << 20); /* CP10 and CP11 full access (FPU, and MVE on v8.1-M) */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
}
#else
static void fpu_enable(void) {}
#endif

/* ARMv8-M has a hardware stack limit: an overflow becomes a UsageFault (STKOF). */
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
static void stack_limit_set(void) { __asm__ volatile("msr msplim, %0" ::"r"(__stack_limit)); }
#else
static void stack_limit_set(void) {}
#endif

/* Fill the unused stack with a pattern, up to a margin below the current frame. */
static void stack_paint(void) {
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = __stack_limit; p < sp - 16; ++p) *p = TG_STACK_PAINT;
}

size_t tg_board_stack_used(void) {
  const uint32_t *p = __stack_limit;
  while (p < __stack_top && *p == TG_STACK_PAINT) ++p;
  return (size_t)((const uint8_t *)__stack_top - (const uint8_t *)p);
}

size_t tg_board_stack_size(void) {
  return (size_t)((const uint8_t *)__stack_top - (const uint8_t *)__stack_limit);
}

void Reset_Handler(void) {
  fpu_enable();
  stack_limit_set();
  size_t data_bytes = (size_t)((uint8_t *)__data_end - (uint8_t *)__data_start);
  memcpy(__data_start, __data_load, data_bytes);
  memset(__bss_start, 0, (size_t)((uint8_t *)__bss_end - (uint8_t *)__bss_start));
  stack_paint();
  SCB_VTOR = (uint32_t)(uintptr_t)&tg_vector_table_rom;
  SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18); /* MemManage, BusFault, UsageFault */
  SCB_CCR |= (1u << 4);                              /* DIV_0_TRP */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  (void)main();
  for (;;) __asm__ volatile("wfi");
}

/* Faults: a shim picks the stack the exception frame went to (EXC_RETURN bit 2) and
 * hands it to C with the fault's name. */
void tg_fault_entry(const uint32_t *frame, uint32_t kind);

#define TG_FAULT_SHIM(handler, kind)                                                     \
  __attribute__((naked)) void handler(void) {                                            \
    __asm__ volatile("movs r1, #" #kind "\n\t"                                           \
                     "tst lr, #4\n\t"                                                    \
                     "ite eq\n\t"                                                        \
                     "mrseq r0, msp\n\t"                                                 \
                     "mrsne r0, psp\n\t"                                                 \
                     "b tg_fault_entry\n\t");                                            \
  }

TG_FAULT_SHIM(NMI_Handler, 0)
TG_FAULT_SHIM(HardFault_Handler, 1)
TG_FAULT_SHIM(MemManage_Handler, 2)
TG_FAULT_SHIM(BusFault_Handler, 3)
TG_FAULT_SHIM(UsageFault_Handler, 4)
TG_FAULT_SHIM(SecureFault_Handler, 5)
TG_FAULT_SHIM(Default_Handler, 6)

void tg_fault_entry(const uint32_t *frame, uint32_t kind) {
  static const char *const names[] = {"NMI",        "HardFault",   "MemManage", "BusFault",
                                      "UsageFault", "SecureFault", "IRQ"};
  tg_fault f;
  f.name = kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
  f.lr = frame[5];
  f.pc = frame[6];
  f.xpsr = frame[7];
  f.cfsr = SCB_CFSR;
  f.hfsr = SCB_HFSR;
  f.mmfar = SCB_MMFAR;
  f.bfar = SCB_BFAR;
  tg_fault_hook(&f);
  for (;;) {
  }
}
