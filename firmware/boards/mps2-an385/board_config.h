/* MPS2 + AN385 FPGA image: Cortex-M3, no FPU. Memory map and peripherals as QEMU's
 * hw/arm/mps2.c models them (and as Arm's AN385 documents them). */
#ifndef TG_BOARD_CONFIG_H
#define TG_BOARD_CONFIG_H

#define TG_BOARD_NAME "mps2-an385"
#define TG_BOARD_CORE "cortex-m3"
#define TG_BOARD_CPU_HZ 25000000u /* FPGA SYSCLK: the core and the APB peripherals */
#define TG_BOARD_IRQS 32

#define TG_BOARD_UART0 0x40004000u /* CMSDK APB UART0 (QEMU: -serial, first) */
#define TG_BOARD_UART0_RX_IRQ 0 /* QEMU hw/arm/mps2.c: UART n RX on IRQ 2n, TX on 2n+1 */
#define TG_BOARD_UART_PCLK_HZ 25000000u
#define TG_BOARD_GPIO0 0x40010000u /* CMSDK AHB GPIO0 */

/* Fallback tick source when DWT CYCCNT does not count: CMSDK APB TIMER0 (32-bit). */
#define TG_BOARD_TIMER_CMSDK 0x40000000u
#define TG_BOARD_TIMER_HZ 25000000u

#endif
