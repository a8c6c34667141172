# mps3-an547: Cortex-M55 (ARMv8.1-M, DSP, Helium/MVE, FPU). The soft variant removes the
# FPU and MVE: MVE instructions use the FPU register file, which stays off in that build.
TGB_FLOATS := soft hard
TGB_DEFAULT_FLOAT := hard
TGB_CPU_soft := -mcpu=cortex-m55+nofp+nomve -mthumb -mfloat-abi=soft
TGB_CPU_hard := -mcpu=cortex-m55 -mthumb -mfloat-abi=hard
