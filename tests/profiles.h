/*
 * Device profiles the tests' towers share (tests/unit/engine_support.c,
 * tests/fuzz/fuzz_drivers.c), as libconfig text for a site's
 * "profiles = ( ... );" list: a tripod turnstile, an intercom station and
 * an elevator controller on Modbus. Each ends with the comma that separates
 * it from the next, but TEST_PROFILE_ELEV_A, written last.
 */
#ifndef LOBBYD_TEST_PROFILES_H
#define LOBBYD_TEST_PROFILES_H

#define TEST_PROFILE_TRIPOD_A \
" { name = \"tripod-a\"; kind = \"turnstile\"; state = \"input:0\";\n" \
"   state_values = { idle = 0; passing = 1; fault = 2; };\n" \
"   entry_counter = \"input:1\"; exit_counter = \"input:2\"; fault_code = \"input:3\";\n" \
"   commands = { open_entry = { register = \"holding:0\"; value = 1; };\n" \
"     open_exit = { register = \"holding:0\"; value = 2; };\n" \
"     free = { register = \"holding:0\"; value = 3; };\n" \
"     lock = { register = \"holding:0\"; value = 4; }; }; },\n"

#define TEST_PROFILE_ICOM_A \
" { name = \"icom-a\"; kind = \"intercom\"; call_state = \"input:0\";\n" \
"   call_values = { idle = 0; ringing = 1; connected = 2; };\n" \
"   call_button = \"discrete:0\"; door_state = \"discrete:1\";\n" \
"   commands = { release = { register = \"coil:0\"; value = 1; release_ms = 3000; };\n" \
"     forward = { register = \"holding:10\"; }; }; },\n"

#define TEST_PROFILE_ELEV_A \
" { name = \"elev-a\"; kind = \"elevator\"; floor = \"input:10\";\n" \
"   direction = \"input:11\"; direction_values = { stopped = 0; up = 1; down = 2; };\n" \
"   door = \"input:12\"; door_values = { closed = 0; open = 1; opening = 2; closing = 3; };\n" \
"   mode = \"input:13\";\n" \
"   mode_values = { normal = 0; independent = 1; fire_service = 2; out_of_service = 3; };\n" \
"   fault_code = \"input:14\"; trapped = \"discrete:5\"; floor_enable = \"holding:20\";\n" \
"   floors = 32; }\n"

#endif
