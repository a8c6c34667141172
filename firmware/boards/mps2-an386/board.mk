# mps2-an386: Cortex-M4 (ARMv7E-M, DSP) with the single-precision FPv4 FPU.
TGB_FLOATS := soft hard
TGB_DEFAULT_FLOAT := hard
TGB_CPU_soft := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
TGB_CPU_hard := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
