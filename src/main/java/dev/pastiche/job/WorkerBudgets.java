package dev.pastiche.job;

import dev.pastiche.transfer.StyleTransferEngine;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jobrunr.server.BackgroundJobServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The memory budgets of the nodes that run jobs, shared through the database. Admission of a run
 * against a budget happens on the worker that runs it; the node that takes the request refuses
 * only what no live worker could run, so an API pod with a small budget neither refuses jobs a
 * large GPU worker could run nor admits jobs that none can.
 */
@Component
class WorkerBudgets {

    private static final Logger log = LoggerFactory.getLogger(WorkerBudgets.class);
    /** A worker not seen for this long is gone (it refreshes every {@code pastiche.jobs.worker-check}, 15 s by default). */
    static final Duration LIVE = Duration.ofMinutes(2);

    private final JdbcClient jdbc;
    private final ObjectProvider<BackgroundJobServer> servers;
    private final StyleTransferEngine engine;
    private final String node = UUID.randomUUID().toString();

    WorkerBudgets(JdbcClient jdbc, ObjectProvider<BackgroundJobServer> servers, StyleTransferEngine engine) {
        this.jdbc = jdbc;
        this.servers = servers;
        this.engine = engine;
    }

    /** Publishes this node's budget while it runs jobs; an API-only node publishes none. */
    @Scheduled(fixedDelayString = "${pastiche.jobs.worker-check:PT15S}", initialDelay = 0)
    void advertise() {
        if (servers.getIfAvailable() == null) {
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try {
            int updated = jdbc.sql("UPDATE worker_budget SET budget_bytes = ?, seen_at = ? WHERE node_id = ?")
                    .params(engine.memoryBudget(), Timestamp.from(now), node).update();
            if (updated == 0) {
                jdbc.sql("INSERT INTO worker_budget (node_id, budget_bytes, seen_at) VALUES (?, ?, ?)")
                        .params(node, engine.memoryBudget(), Timestamp.from(now)).update();
            }
            jdbc.sql("DELETE FROM worker_budget WHERE seen_at < ?").param(Timestamp.from(now.minus(Duration.ofDays(1)))).update();
        } catch (DataAccessException e) {
            log.warn("Could not advertise this worker's memory budget ({}); trying again later", e.getClass().getSimpleName());
        }
    }

    /**
     * The largest budget a live worker advertises: what a submission is admitted against. Before
     * any worker has advertised (a cluster starting up), this node's own budget.
     */
    long largest() {
        return jdbc.sql("SELECT MAX(budget_bytes) FROM worker_budget WHERE seen_at >= ?")
                .param(Timestamp.from(Instant.now().minus(LIVE))).query(Long.class).optional().orElse(engine.memoryBudget());
    }
}
