"""Analyses in the worker pool: a kind registers its handler (`registry.handles`), a service
queues a job of that kind (`service.submit`), a worker process claims and runs it
(`runner.work_jobs`), and anyone allowed follows its progress, reads its answer or cancels it
(`router`, and the web's Analyses pages)."""
