# boards/orangecrab.mk - OrangeCrab r0.2 (Good Stuff Department) with the LFE5U-25F
#   FPGA      Lattice ECP5 LFE5U-25F-8MG285C, CSFBGA285 package
#   clock     48 MHz oscillator on A9; other clocks through EHXPLLL
#   UART      none on the board: USB D+/D- go straight to the FPGA. sparq puts a
#             UART on the Feather header: pin "0" (N17) FPGA RX, pin "1" (M18) FPGA
#             TX; connect a 3.3 V USB-serial cable there (its TX to pin 0, its RX
#             to pin 1, GND to GND) and use sparqd's tty: transport.
#   pins used clk48 A9, gpio_0 N17, gpio_1 M18, rgb_led0 K4/M3/J3, usr_btn J17,
#             rst_n V17 (constraints/orangecrab.lpf)
#   program   DFU bootloader over the FPGA's USB: openFPGALoader -b orangeCrab
#             (hold the button while plugging in to enter the bootloader; the
#             sparq design also reboots into it when the button is pressed)
FPGA_FAMILY    := ecp5
FPGA_DEVICE    := 25k
FPGA_PACKAGE   := CSFBGA285
FPGA_PINS      := constraints/orangecrab.lpf
FPGA_WRAPPER   := sq_board_orangecrab
FPGA_OSC_MHZ   := 48
FPGA_PLL       := ehxplll
FPGA_PROG      := openFPGALoader -b orangeCrab
FPGA_DEF_P       := 8
FPGA_DEF_CLK_MHZ := 48
FPGA_DEF_BAUD    := 1000000
FPGA_DEF_ACCW    := 32
FPGA_RES_LC    := 24288
FPGA_RES_EBR   := 56
FPGA_RES_EBR_BITS := 18432
FPGA_RES_SPRAM := 0
FPGA_RES_DSP   := 28
