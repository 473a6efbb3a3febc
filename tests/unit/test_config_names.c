/*
 * The config's names of its enums (config/config.h config_*_name): every
 * value of each enum has the word the config is read with, and a value
 * outside the enum gets "?" or "unknown", never a wrong word or a crash.
 */
#include <string.h>

#include "../../config/config.h"
#include "harness.h"

static void
test_names(void)
{
	/* One past the last value of each enum that has no count. */
	const enum link_type link_past = (enum link_type)(LINK_GPIO + 1);
	const enum device_kind kind_past = (enum device_kind)(DEV_OUTPUT + 1);
	const enum card_format format_past =
	    (enum card_format)(CARD_WIEGAND_37 + 1);
	const enum input_function function_past =
	    (enum input_function)(IN_TAMPER + 1);
	const enum ts_state state_past = (enum ts_state)(TS_FAULT + 1);
	const enum icom_call call_past = (enum icom_call)(ICOM_CONNECTED + 1);
	/* Every value of each enum, and one outside it. */
	const struct {
		const char *got, *want;
	} names[] = {
		{ config_link_type_name(LINK_MODBUS_TCP), "modbus-tcp" },
		{ config_link_type_name(LINK_MODBUS_RTU), "modbus-rtu" },
		{ config_link_type_name(LINK_SERIAL_READER), "serial-reader" },
		{ config_link_type_name(LINK_GPIO), "gpio" },
		{ config_link_type_name(link_past), "?" },
		{ config_device_kind_name(DEV_TURNSTILE), "turnstile" },
		{ config_device_kind_name(DEV_READER), "reader" },
		{ config_device_kind_name(DEV_ELEVATOR), "elevator" },
		{ config_device_kind_name(DEV_INTERCOM), "intercom" },
		{ config_device_kind_name(DEV_INPUT), "input" },
		{ config_device_kind_name(DEV_OUTPUT), "output" },
		{ config_device_kind_name(kind_past), "?" },
		{ config_card_format_name(CARD_EM4100), "em4100" },
		{ config_card_format_name(CARD_WIEGAND_ASCII), "wiegand-ascii" },
		{ config_card_format_name(CARD_QR), "qr" },
		{ config_card_format_name(CARD_IDCARD), "idcard" },
		{ config_card_format_name(CARD_WIEGAND_26), "wiegand" },
		{ config_card_format_name(CARD_WIEGAND_34), "wiegand" },
		{ config_card_format_name(CARD_WIEGAND_37), "wiegand" },
		{ config_card_format_name(format_past), "?" },
		{ config_input_function_name(IN_DOOR), "door" },
		{ config_input_function_name(IN_REX), "rex" },
		{ config_input_function_name(IN_FIRE), "fire" },
		{ config_input_function_name(IN_POWER), "power" },
		{ config_input_function_name(IN_TAMPER), "tamper" },
		{ config_input_function_name(function_past), "?" },
		{ config_ts_cmd_name(TS_CMD_OPEN_ENTRY), "open_entry" },
		{ config_ts_cmd_name(TS_CMD_OPEN_EXIT), "open_exit" },
		{ config_ts_cmd_name(TS_CMD_FREE), "free" },
		{ config_ts_cmd_name(TS_CMD_LOCK), "lock" },
		{ config_ts_cmd_name(TS_CMD_COUNT), "?" },
		{ config_ts_state_name(TS_UNKNOWN), "unknown" },
		{ config_ts_state_name(TS_IDLE), "idle" },
		{ config_ts_state_name(TS_PASSING), "passing" },
		{ config_ts_state_name(TS_FAULT), "fault" },
		{ config_ts_state_name(state_past), "?" },
		{ config_icom_call_name(ICOM_UNKNOWN), "unknown" },
		{ config_icom_call_name(ICOM_IDLE), "idle" },
		{ config_icom_call_name(ICOM_RINGING), "ringing" },
		{ config_icom_call_name(ICOM_CONNECTED), "connected" },
		{ config_icom_call_name(call_past), "unknown" },
		{ config_icom_cmd_name(ICOM_CMD_RELEASE), "release" },
		{ config_icom_cmd_name(ICOM_CMD_FORWARD), "forward" },
		{ config_icom_cmd_name(ICOM_CMD_COUNT), "?" },
		{ config_elev_dir_name(ELEV_DIR_UNKNOWN), "unknown" },
		{ config_elev_dir_name(ELEV_DIR_DOWN), "down" },
		{ config_elev_dir_name(ELEV_DIR_COUNT), "unknown" },
		{ config_elev_door_name(ELEV_DOOR_CLOSING), "closing" },
		{ config_elev_mode_name(ELEV_MODE_OUT_OF_SERVICE), "out_of_service" },
		{ config_elev_mode_name(ELEV_MODE_COUNT), "unknown" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_STR(names[i].got, names[i].want);
}

int
main(void)
{
	test_names();
	return harness_done("test_config_names");
}
