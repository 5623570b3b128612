/*
 * crash.c — a static musl program that dies of a page fault before it
 * exits: the Unix server must notice (test_unix_exec.c) and go on serving.
 */
int main(void)
{
	/* a volatile store through a pointer the compiler cannot see the value of */
	volatile int *volatile nowhere = (volatile int *)16;

	*nowhere = 1;
	return 0;
}
