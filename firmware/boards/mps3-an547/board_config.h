/* MPS3 + AN547 FPGA image: Cortex-M55 (FPU, MVE) in the SSE-300 subsystem. Memory map
 * and peripherals as QEMU's hw/arm/mps2-tz.c and armsse.c model them (Arm AN547). The
 * core leaves reset in Secure state with the SAU disabled, so every access is Secure
 * and the Non-secure peripheral addresses below are reachable as they are. */
#ifndef TG_BOARD_CONFIG_H
#define TG_BOARD_CONFIG_H

#define TG_BOARD_NAME "mps3-an547"
#define TG_BOARD_CORE "cortex-m55"
#define TG_BOARD_CPU_HZ 32000000u /* SSE-300 MAINCLK: the core clock */
#define TG_BOARD_IRQS 96

#define TG_BOARD_UART0 0x49303000u /* CMSDK APB UART0 (QEMU: -serial, first) */
#define TG_BOARD_UART0_RX_IRQ 33 /* QEMU hw/arm/mps2-tz.c: UART0 RX 33, TX 34, combined 43 */
#define TG_BOARD_UART_PCLK_HZ 25000000u /* the FPGA's APB peripheral clock */
#define TG_BOARD_GPIO0 0x41100000u      /* CMSDK AHB GPIO0 */

/* Fallback tick source when DWT CYCCNT does not count: SysTick on the core clock,
 * widened to 32 bits by its wrap interrupt (the SSE-300 system timers need the
 * system counter set up, and the CMSDK S32K timer runs at 32 kHz only). */
#define TG_BOARD_TIMER_SYSTICK 1
#define TG_BOARD_TIMER_HZ 32000000u

#endif
