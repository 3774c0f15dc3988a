package dev.pastiche.job;

import org.jobrunr.server.BackgroundJobServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Restarts this process's JobRunr worker after the database comes back. JobRunr OSS stops its
 * BackgroundJobServer for good when it cannot reach its storage (jobrunr/jobrunr#82: automatic
 * restart is a Pro feature), which left a process that answered the API and reported ready while
 * no job ever ran again (docs/reliability.md, PostgreSQL restarted while jobs run). A restart
 * fails harmlessly while the database is still away, and is tried again on the next check.
 */
@Component
class WorkerWatchdog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerWatchdog.class);

    private final ObjectProvider<BackgroundJobServer> servers;
    /** Only between the application's start and its shutdown, so that a deliberate stop is left alone. */
    private volatile boolean watching;

    WorkerWatchdog(ObjectProvider<BackgroundJobServer> servers) {
        this.servers = servers;
    }

    @Scheduled(fixedDelayString = "${pastiche.jobs.worker-check:PT15S}", initialDelayString = "${pastiche.jobs.worker-check:PT15S}")
    void restartIfStopped() {
        BackgroundJobServer server = servers.getIfAvailable();
        if (!watching || server == null || server.isRunning()) {
            return;
        }
        log.warn("The JobRunr worker has stopped (its database was unreachable); restarting it");
        try {
            server.start();
        } catch (RuntimeException e) {
            log.warn("The JobRunr worker could not restart yet ({}); trying again later", e.getClass().getSimpleName());
        }
    }

    @Override
    public void start() {
        watching = true;
    }

    @Override
    public void stop() {
        watching = false;
    }

    @Override
    public boolean isRunning() {
        return watching;
    }
}
