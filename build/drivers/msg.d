build/drivers/msg.o: drivers/msg.c drivers/msg.h
drivers/msg.h:
