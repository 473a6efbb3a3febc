build/tests/unit/test_access.o: tests/unit/test_access.c \
 tests/unit/../../rules/access.h tests/unit/harness.h
tests/unit/../../rules/access.h:
tests/unit/harness.h:
