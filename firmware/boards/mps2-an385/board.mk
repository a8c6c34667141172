# mps2-an385: Cortex-M3 (ARMv7-M), no FPU: soft float only.
TGB_FLOATS := soft
TGB_DEFAULT_FLOAT := soft
TGB_CPU_soft := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
