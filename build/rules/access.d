build/rules/access.o: rules/access.c rules/access.h
rules/access.h:
