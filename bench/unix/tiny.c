/*
 * tiny.c — the smallest static program: it exits 0 at once. fork_exec_wait
 * execs it, and macro/script.sh runs it in a loop; no stdio is linked in.
 */
int main(void)
{
	return 0;
}
