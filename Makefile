# lobbyd: plain make, explicit object lists, pkg-config for libraries.
#   make            build lobbyd, lobbyctl and lobbysim into build/
#   make check      unit, config and integration tests
#   make check SAN=1  the same suite built with address and UB sanitizers (build-san/)
#   make check VALGRIND=1  the same suite, the unit tests under valgrind
#   make check JOBS=N  N test programs at once (default: four a core)
#   make demo       run lobbyd on the built-in demo site
#   make bench      print the benchmark figures
#   make fuzz       run each fuzzing harness for FUZZ_S seconds (clang, build-fuzz/)
#   make pot        po/lobbyctl.pot from lobbyctl's messages (xgettext)
#   make soak       the crash loop for CYCLES kills, the power-loss test for POWER_CUTS cuts

SAN	?=
VALGRIND ?=
JOBS	?=
BUILD	?= $(if $(SAN),build-san,build)
CC	?= gcc
PKGS	:= libmodbus libserialport libgpiod sqlite3 libconfig libsystemd json-c libsodium
WEB_PKGS := libmicrohttpd		# lobbyweb's alone: lobbyd never links it
NOTIFY_PKGS := libcurl			# lobbyd-notify's alone: lobbyd never links it

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2
CFLAGS	?= -O2 -g
VERSION	:= 0.1.0
CFLAGS	+= -std=c17 -D_GNU_SOURCE -DLOBBYD_VERSION='"$(VERSION)"' $(WARN) -MMD -MP
CFLAGS	+= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
WEB_LIBS := $(shell pkg-config --libs $(WEB_PKGS) 2>/dev/null)
NOTIFY_LIBS := $(shell pkg-config --libs $(NOTIFY_PKGS) 2>/dev/null)
CFLAGS	+= $(shell pkg-config --cflags $(NOTIFY_PKGS) 2>/dev/null)
ifneq ($(SAN),)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

# Objects, by layer.
UTIL_O	 := common/util.o common/floors.o common/template.o
CONFIG_O := config/config.o config/config_read.o config/config_profile.o config/config_devices.o \
	    config/config_input.o config/config_tickets.o config/config_gpio.o \
	    config/config_icom.o config/config_alerts.o config/config_access.o \
	    config/config_elev.o config/roles.o config/config_notify.o
RULES_O	 := rules/access.o rules/pass.o rules/visitor.o rules/idcheck.o rules/hours.o rules/booking.o rules/tenant.o
DB_O	 := db/store.o db/checkpoint.o db/columns.o db/queries.o db/events.o db/schema.o db/tickets.o db/desk.o db/bookings.o db/latch.o db/latch_writer.o db/cardimport.o db/webusers.o db/notices.o \
	    db/tenants.o
GPIO_O	 := drivers/gpio.o drivers/gpio_sim.o drivers/gpio_chip.o drivers/wiegand.o
DRV_O	 := drivers/msg.o drivers/link.o drivers/worker.o drivers/modbus.o drivers/modbus_poll.o \
	    drivers/modbus_cmd.o drivers/modbus_input.o \
	    drivers/modbus_icom.o drivers/modbus_elev.o drivers/modbus_wire.o drivers/serial.o drivers/reader.o drivers/cardfmt.o drivers/idcard.o drivers/idpoll.o $(GPIO_O)
ENGINE_O := engine/engine.o engine/kind.o engine/cards.o engine/credmap.o engine/lanes.o engine/turnstile.o engine/reader.o engine/idread.o \
	    engine/alerts.o engine/supervisor.o engine/inputs.o engine/fire.o engine/tickets.o \
	    engine/doors.o engine/intercom.o engine/elevator.o engine/notify.o engine/command.o \
	    engine/desk.o engine/desk_timers.o engine/desk_visit.o engine/privacy.o engine/retention.o \
	    engine/hostnote.o
CONTROL_O := control/control.o control/ctl_client.o control/ctl_admit.o control/ctl_publish.o \
	    control/ctl_limit.o control/ctl_cmds.o control/ctl_status.o \
	    control/ctl_devices.o control/jbuf.o control/ctl_events.o control/ctl_cards.o control/ctl_lane.o \
	    control/ctl_fire.o control/ctl_tickets.o control/devcheck.o control/ctl_icom.o \
	    control/ctl_elev.o control/ctl_alerts.o \
	    control/ctl_desk.o control/ctl_people.o control/ctl_passes.o control/ctl_visitors.o \
	    control/ctl_permits.o control/ctl_front.o control/ctl_import.o control/ctl_web.o \
	    control/ctl_idcard.o control/ctl_notify.o control/ctl_tenants.o control/ctl_visits.o
LOBBYD_O := daemon/main.o $(CONTROL_O) $(ENGINE_O) $(DRV_O) $(DB_O) $(RULES_O) $(CONFIG_O) $(UTIL_O)
LOBBYCTL_O := lobbyctl/lobbyctl.o lobbyctl/cmdline.o lobbyctl/request.o lobbyctl/conn.o lobbyctl/show.o \
	      lobbyctl/format.o lobbyctl/tickets.o lobbyctl/show_icom.o \
	      lobbyctl/show_elev.o lobbyctl/desk.o lobbyctl/desk_args.o lobbyctl/desk_show.o \
	      lobbyctl/import.o lobbyctl/secret.o lobbyctl/users.o lobbyctl/events.o \
	      lobbyctl/tenants.o lobbyctl/tenants_csv.o lobbyctl/csv.o rules/tenant.o $(UTIL_O)
LOBBYSIM_O := sim/lobbysim.o sim/simctl.o sim/linectl.o sim/simpty.o sim/simmodbus.o sim/simrtu.o sim/simreader.o \
	      sim/siminput.o sim/simgpio.o sim/simicom.o sim/simelev.o sim/simidcard.o \
	      drivers/idcard.o drivers/modbus_wire.o $(CONFIG_O) $(UTIL_O)
LOBBYBUS_O := sim/busemu.o sim/buswire.o sim/linectl.o sim/simpty.o common/util.o
NOTIFY_O := daemon/notify_main.o drivers/notifier.o $(CONFIG_O) $(UTIL_O)
LOBBYWEB_O := web/lobbyweb.o web/webconf.o web/ctlconn.o web/feed.o web/session.o web/http.o web/answer.o $(UTIL_O)

# Unit tests: one program per module, linked with just what it tests.
UNIT_TESTS := test_access test_msg test_cardfmt test_store test_store_records test_config test_config_names \
	      test_modbus test_modbus_rtu test_modbus_wire test_reader test_lobbyctl test_wiegand \
	      test_pass test_visitor test_privacy test_tickets test_gpio test_roles \
	      test_hours test_desk test_desk_privacy test_booking test_latch test_cards test_ctl_limit test_idcheck test_store_events test_idcard \
	      test_template test_lane_tbl test_reader_kind test_person_find test_tenant test_store_tenants test_powerloss
test_access_O   := tests/unit/test_access.o $(RULES_O) $(UTIL_O)
test_msg_O      := tests/unit/test_msg.o drivers/msg.o
test_cardfmt_O  := tests/unit/test_cardfmt.o drivers/cardfmt.o $(UTIL_O)
test_idcard_O   := tests/unit/test_idcard.o drivers/idcard.o drivers/idpoll.o $(UTIL_O)
test_store_O    := tests/unit/test_store.o $(DB_O) $(UTIL_O)
test_store_records_O := tests/unit/test_store_records.o $(DB_O) $(UTIL_O)
test_store_events_O := tests/unit/test_store_events.o $(DB_O) $(UTIL_O)
test_config_O   := tests/unit/test_config.o $(CONFIG_O) $(UTIL_O)
test_config_names_O := tests/unit/test_config_names.o $(CONFIG_O) $(UTIL_O)
MODBUS_TEST_O   := tests/unit/modbus_support.o drivers/worker.o drivers/modbus.o drivers/modbus_poll.o \
		   drivers/modbus_cmd.o drivers/modbus_input.o \
		   drivers/modbus_icom.o drivers/modbus_elev.o drivers/modbus_wire.o \
		   drivers/reader.o drivers/serial.o drivers/cardfmt.o drivers/idcard.o drivers/idpoll.o drivers/msg.o \
		   drivers/link.o $(GPIO_O) $(UTIL_O)
test_modbus_O   := tests/unit/test_modbus.o $(MODBUS_TEST_O)
test_modbus_rtu_O := tests/unit/test_modbus_rtu.o $(MODBUS_TEST_O)
test_modbus_wire_O := tests/unit/test_modbus_wire.o drivers/modbus_wire.o $(UTIL_O)
test_reader_O   := tests/unit/test_reader.o drivers/reader.o drivers/serial.o \
		   drivers/cardfmt.o drivers/idcard.o drivers/idpoll.o drivers/msg.o drivers/link.o $(UTIL_O)
test_lobbyctl_O := tests/unit/test_lobbyctl.o lobbyctl/format.o $(UTIL_O)
test_wiegand_O  := tests/unit/test_wiegand.o drivers/wiegand.o
test_pass_O     := tests/unit/test_pass.o rules/pass.o
test_visitor_O  := tests/unit/test_visitor.o rules/visitor.o
test_booking_O  := tests/unit/test_booking.o rules/booking.o
test_privacy_O  := tests/unit/test_privacy.o engine/privacy.o
test_tickets_O  := tests/unit/test_tickets.o $(DB_O) $(UTIL_O)
test_gpio_O     := tests/unit/test_gpio.o $(GPIO_O) drivers/msg.o drivers/link.o $(UTIL_O)
test_roles_O    := tests/unit/test_roles.o $(CONFIG_O) $(UTIL_O)
test_ctl_limit_O := tests/unit/test_ctl_limit.o control/ctl_limit.o
test_hours_O    := tests/unit/test_hours.o rules/hours.o rules/pass.o
test_desk_O     := tests/unit/test_desk.o $(DB_O) $(UTIL_O)
test_desk_privacy_O := tests/unit/test_desk_privacy.o $(DB_O) $(UTIL_O) engine/privacy.o
test_latch_O    := tests/unit/test_latch.o db/latch.o db/latch_writer.o $(UTIL_O)
test_cards_O    := tests/unit/test_cards.o engine/cards.o $(UTIL_O)
test_idcheck_O  := tests/unit/test_idcheck.o rules/idcheck.o rules/visitor.o $(UTIL_O)
test_template_O := tests/unit/test_template.o common/template.o
# The engine on a real store, and its control server (engine_support.c).
ENGINE_TEST_O   := tests/unit/engine_support.o $(CONTROL_O) $(ENGINE_O) $(DRV_O) \
		   $(DB_O) $(RULES_O) $(CONFIG_O) $(UTIL_O)
test_lane_tbl_O := tests/unit/test_lane_tbl.o $(ENGINE_TEST_O)
test_reader_kind_O := tests/unit/test_reader_kind.o $(ENGINE_TEST_O)
test_person_find_O := tests/unit/test_person_find.o $(ENGINE_TEST_O)
test_tenant_O   := tests/unit/test_tenant.o rules/tenant.o common/floors.o
test_store_tenants_O := tests/unit/test_store_tenants.o $(DB_O) $(UTIL_O)
test_powerloss_O := tests/unit/test_powerloss.o tests/unit/crashvfs.o $(DB_O) $(UTIL_O)

# Benchmark programs (bench/run runs them and the end-to-end figures).
BENCH_PROGS := bench_store
bench_store_O := bench/bench_store.o $(DB_O) $(UTIL_O)

BINS := $(BUILD)/lobbyd $(BUILD)/lobbyd-notify $(BUILD)/lobbyctl $(BUILD)/lobbysim $(BUILD)/lobbybus $(BUILD)/lobbyweb
UNIT_BINS := $(addprefix $(BUILD)/tests/unit/,$(UNIT_TESTS))
BENCH_BINS := $(addprefix $(BUILD)/bench/,$(BENCH_PROGS))

# lobbyctl's message catalogs (po/LANG.po), compiled for $(LOCALEDIR).
PREFIX	?= /usr
LOCALEDIR ?= $(PREFIX)/share/locale
LINGUAS	:= zh_CN
MOS	:= $(foreach l,$(LINGUAS),$(BUILD)/locale/$(l)/LC_MESSAGES/lobbyctl.mo)
POT	?= po/lobbyctl.pot
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
	--keyword=COL:1 --keyword=C_:1c,2 --flag=lobbyctl_say:1:c-format --flag=usage_error:1:c-format \
	--flag=csv_err:2:c-format --flag=bad_value:3:c-format \
	--add-comments=TRANSLATORS: --package-name=lobbyd --package-version=$(VERSION)

all: $(BINS) $(MOS)

# Objects under $(BUILD)/obj/, programs under $(BUILD)/.
OBJ	:= $(BUILD)/obj

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/lobbyd: $(addprefix $(OBJ)/,$(LOBBYD_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/lobbyd-notify: $(addprefix $(OBJ)/,$(NOTIFY_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NOTIFY_LIBS)
$(BUILD)/lobbyctl: $(addprefix $(OBJ)/,$(LOBBYCTL_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/lobbysim: $(addprefix $(OBJ)/,$(LOBBYSIM_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/lobbybus: $(addprefix $(OBJ)/,$(LOBBYBUS_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/lobbyweb: $(addprefix $(OBJ)/,$(LOBBYWEB_O))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(WEB_LIBS)

$(OBJ)/lobbyctl/lobbyctl.o: CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'

$(BUILD)/locale/%/LC_MESSAGES/lobbyctl.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

pot:
	xgettext $(XGETTEXT_FLAGS) -o $(POT) lobbyctl/*.c

.SECONDEXPANSION:
$(UNIT_BINS): $(BUILD)/tests/unit/%: $$(addprefix $(OBJ)/,$$($$*_O))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NOTIFY_LIBS)

$(BENCH_BINS): $(BUILD)/bench/%: $$(addprefix $(OBJ)/,$$($$*_O))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BINS)

# Fuzzing (tests/fuzz/): libFuzzer harnesses, built with clang and its
# sanitizers into their own tree; tests/fuzz/run runs each for FUZZ_S seconds.
# clang, unlike gcc, warns of the va_list format helpers in config_read.c.
FUZZ_S	?= 20
# 0: a new random seed each run; CI names one, so its run is one that
# passed here (a longer run with the same seed covers a shorter one).
FUZZ_SEED ?= 0
FUZZ_BUILD := build-fuzz
FUZZ_CC	:= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZERS	:= fuzz_cardfmt fuzz_wiegand fuzz_msg fuzz_modbus fuzz_config fuzz_ctl \
	   fuzz_drivers fuzz_idcard
fuzz_cardfmt_O := tests/fuzz/fuzz_cardfmt.o drivers/cardfmt.o $(UTIL_O)
fuzz_wiegand_O := tests/fuzz/fuzz_wiegand.o drivers/wiegand.o
fuzz_msg_O     := tests/fuzz/fuzz_msg.o drivers/msg.o
fuzz_modbus_O  := tests/fuzz/fuzz_modbus.o drivers/modbus_wire.o $(UTIL_O)
fuzz_config_O  := tests/fuzz/fuzz_config.o $(CONFIG_O) $(UTIL_O)
fuzz_ctl_O     := tests/fuzz/fuzz_ctl.o $(ENGINE_TEST_O)
fuzz_drivers_O := tests/fuzz/fuzz_drivers.o $(DRV_O) $(CONFIG_O) $(UTIL_O)
fuzz_idcard_O  := tests/fuzz/fuzz_idcard.o drivers/idcard.o $(UTIL_O)
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/,$(FUZZERS))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -O2,$(CFLAGS)) -O1 -fno-omit-frame-pointer -Wno-format-nonliteral \
		-fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_BUILD)/%: $$(addprefix $(FUZZ_BUILD)/obj/,$$($$*_O))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS) $(NOTIFY_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-run: fuzz-build
	FUZZ_SEED=$(FUZZ_SEED) tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_S) $(FUZZERS)

# The entry points install what a fresh Debian 12 machine lacks, then build
# in a second make, so pkg-config sees the libraries it just installed.
check demo bench fuzz soak: deps
	$(MAKE) --no-print-directory $@-run

deps:
	tools/install-deps

check-run: all unit
ifneq ($(and $(SAN),$(VALGRIND)),)
	@echo "VALGRIND=1 and SAN=1 do not go together: valgrind cannot run sanitized programs"; exit 1
endif
	BUILD=$(BUILD) VALGRIND=$(VALGRIND) $(if $(JOBS),JOBS=$(JOBS)) tests/run

# The long runs of what make check runs briefly: a new seed each time.
CYCLES	?= 1000
POWER_CUTS ?= 10000
soak-run: all unit
	POWER_SEED=0 POWER_CUTS=$(POWER_CUTS) POWER_ACTIONS=1500 $(BUILD)/tests/unit/test_powerloss
	CYCLES=$(CYCLES) BUILD=$(BUILD) /usr/bin/python3 tests/integration/test_crashloop.py

demo-run: all
	conf/demo/run $(BUILD)

bench-run: all $(BENCH_BINS)
	BUILD=$(BUILD) bench/run

install: all
	install -D -m 0755 $(BUILD)/lobbyd $(DESTDIR)$(PREFIX)/sbin/lobbyd
	install -D -m 0755 $(BUILD)/lobbyd-notify $(DESTDIR)$(PREFIX)/sbin/lobbyd-notify
	install -D -m 0755 $(BUILD)/lobbyctl $(DESTDIR)$(PREFIX)/bin/lobbyctl
	for l in $(LINGUAS); do install -D -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/lobbyctl.mo \
		$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/lobbyctl.mo; done
	install -D -m 0755 $(BUILD)/lobbyweb $(DESTDIR)$(PREFIX)/sbin/lobbyweb
	install -D -m 0644 systemd/lobbyweb.service $(DESTDIR)/lib/systemd/system/lobbyweb.service
	install -D -m 0644 systemd/lobbyweb.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/lobbyweb.conf
	for f in web/static/*.* web/static/i18n/*.json; do \
		install -D -m 0644 $$f $(DESTDIR)$(PREFIX)/share/lobbyd/web/$${f#web/static/}; done
	install -D -m 0644 systemd/lobbyd.service $(DESTDIR)/lib/systemd/system/lobbyd.service
	install -D -m 0644 systemd/lobbyd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/lobbyd.conf
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/lobbyd/README.md
	[ -e $(DESTDIR)/etc/lobbyd/lobbyd.conf ] || \
		install -D -m 0640 conf/lobbyd.conf $(DESTDIR)/etc/lobbyd/lobbyd.conf

clean:
	rm -rf build build-san $(FUZZ_BUILD)

.PHONY: all unit check demo bench deps clean install check-run demo-run bench-run \
	fuzz fuzz-build fuzz-run pot soak soak-run
-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
