build/tests/unit/test_msg.o: tests/unit/test_msg.c \
 tests/unit/../../drivers/msg.h tests/unit/harness.h
tests/unit/../../drivers/msg.h:
tests/unit/harness.h:
