/* jobs.c: a minimal worker pool: each worker takes the next unstarted index
 * until none is left. */
#include "jobs.h"

#include <pthread.h>
#include <stdlib.h>

struct jobs_pool {
	pthread_mutex_t lock;
	size_t next;
	size_t count;
	jobs_fn fn;
	void *ctx;
};

/* One worker: runs items until the pool is drained. */
static void *jobs_worker(void *arg)
{
	struct jobs_pool *pool = arg;
	for (;;) {
		pthread_mutex_lock(&pool->lock);
		size_t index = pool->next < pool->count ? pool->next++ : pool->count;
		pthread_mutex_unlock(&pool->lock);
		if (index == pool->count)
			return NULL;
		pool->fn(pool->ctx, index);
	}
}

/* Calls fn(ctx, i) for every i in [0, count) on up to jobs threads and
 * returns when all are done. If no thread can be created, the calling thread
 * does the work itself. */
void jobs_run(size_t count, unsigned jobs, jobs_fn fn, void *ctx)
{
	struct jobs_pool pool = { .next = 0, .count = count, .fn = fn, .ctx = ctx };
	pthread_mutex_init(&pool.lock, NULL);
	size_t want = jobs < count ? jobs : count;
	pthread_t *threads = calloc(want ? want : 1, sizeof *threads);
	size_t started = 0;
	while (threads && started < want &&
	       pthread_create(&threads[started], NULL, jobs_worker, &pool) == 0)
		started++;
	if (started == 0)
		jobs_worker(&pool);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&pool.lock);
}
