package dev.pastiche.job;

import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.Map;
import org.jobrunr.server.BackgroundJobServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * The watchdog restarts a JobRunr worker that stopped on its own, and leaves a running or
 * deliberately stopped one alone. (Mockito's subclass mock maker, set in
 * src/test/resources/mockito-extensions: the inline one self-attaches an agent through an external
 * process, which failed under load in the full suite.)
 */
class WorkerWatchdogTests {

    private final BackgroundJobServer server = mock(BackgroundJobServer.class);
    private final WorkerWatchdog watchdog = new WorkerWatchdog(
            new StaticListableBeanFactory(Map.of("backgroundJobServer", server)).getBeanProvider(BackgroundJobServer.class));

    @Test
    void aWorkerThatStoppedIsRestarted() {
        watchdog.start();
        when(server.isRunning()).thenReturn(false);

        watchdog.restartIfStopped();

        verify(server).start();
    }

    @Test
    void aRunningWorkerIsLeftAlone() {
        watchdog.start();
        when(server.isRunning()).thenReturn(true);

        watchdog.restartIfStopped();

        verify(server, never()).start();
    }

    @Test
    void aWorkerStoppedAtShutdownIsLeftAlone() {
        watchdog.start();
        watchdog.stop();
        when(server.isRunning()).thenReturn(false);

        watchdog.restartIfStopped();

        verify(server, never()).start();
    }

    @Test
    void aFailedRestartIsTriedAgainLater() {
        watchdog.start();
        when(server.isRunning()).thenReturn(false);
        doThrow(new IllegalStateException("database away")).doNothing().when(server).start();

        watchdog.restartIfStopped();
        watchdog.restartIfStopped();

        verify(server, times(2)).start();
    }

    @Test
    void noWorkerConfiguredIsNothingToWatch() {
        WorkerWatchdog none = new WorkerWatchdog(new StaticListableBeanFactory().getBeanProvider(BackgroundJobServer.class));
        none.start();

        none.restartIfStopped();
    }
}
