# mps2-an500: Cortex-M7 (ARMv7E-M, DSP) with the FPv5 FPU (QEMU's cortex-m7 models the
# double-precision variant).
TGB_FLOATS := soft hard
TGB_DEFAULT_FLOAT := hard
TGB_CPU_soft := -mcpu=cortex-m7 -mthumb -mfloat-abi=soft
TGB_CPU_hard := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
