package dev.pastiche.web;

import dev.pastiche.job.JobNotFoundException;
import dev.pastiche.job.JobRecord;
import dev.pastiche.job.StyleTransferService;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of a job, read from the database, so any node can serve the stream of a job
 * running on another. Each change of the row has a number ({@code event_seq}); it is the event id,
 * and {@code Last-Event-ID} resumes after it. A stream ends with the job's final event.
 */
@Component
class JobEvents implements DisposableBean {

    static final Duration POLL = Duration.ofMillis(250);
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final StyleTransferService service;
    private final JobViews views;
    private final ScheduledExecutorService poller = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "job-events");
        thread.setDaemon(true);
        return thread;
    });

    JobEvents(StyleTransferService service, JobViews views) {
        this.service = service;
        this.views = views;
    }

    SseEmitter stream(String owner, UUID id, long afterEvent) {
        SseEmitter emitter = new SseEmitter(TIMEOUT.toMillis());
        Stream stream = new Stream(owner, id, afterEvent, emitter);
        stream.task = poller.scheduleWithFixedDelay(stream::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
        if (stream.done) {
            // it ended before its task was known
            stream.stop();
        }
        emitter.onCompletion(stream::stop);
        emitter.onTimeout(stream::stop);
        emitter.onError(e -> stream.stop());
        return emitter;
    }

    private final class Stream {
        private final String owner;
        private final UUID id;
        private final SseEmitter emitter;
        private long lastSent;
        private String lastPreview;
        private volatile ScheduledFuture<?> task;
        private volatile boolean done;

        Stream(String owner, UUID id, long afterEvent, SseEmitter emitter) {
            this.owner = owner;
            this.id = id;
            this.lastSent = afterEvent;
            this.emitter = emitter;
        }

        synchronized void poll() {
            if (done) {
                return;
            }
            try {
                JobRecord job = service.get(owner, id);
                if (job.eventSeq() > lastSent) {
                    String name = job.status().finished() ? job.status().label()
                            : !Objects.equals(job.previewBlob(), lastPreview) && job.previewBlob() != null ? "preview" : "progress";
                    emitter.send(SseEmitter.event().id(Long.toString(job.eventSeq())).name(name)
                            .data(views.view(job), MediaType.APPLICATION_JSON));
                    lastSent = job.eventSeq();
                    lastPreview = job.previewBlob();
                }
                if (job.status().finished()) {
                    emitter.complete();
                    stop();
                }
            } catch (JobNotFoundException e) {
                emitter.complete();
                stop();
            } catch (IOException | RuntimeException e) {
                // the client went away, or the database did: end this stream; the client may resume
                emitter.completeWithError(e);
                stop();
            }
        }

        void stop() {
            done = true;
            ScheduledFuture<?> running = task;
            if (running != null) {
                running.cancel(false);
            }
        }
    }

    @Override
    public void destroy() {
        poller.shutdownNow();
    }
}
