package io.github.swooletask.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.swooletask.unix.SocketPathException;

/** Explains a startup that failed on the Unix socket of ipc-mode 1 and names the property to set. */
class SocketPathFailureAnalyzer extends AbstractFailureAnalyzer<SocketPathException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SocketPathException cause) {
        return new FailureAnalysis("The task socket could not be set up: " + cause.getMessage(),
                "Set swoole.task.socket-path to a path of this application's own (every application on a host needs"
                        + " its own socket; " + cause.path() + " is taken or unusable), or give the application its"
                        + " own spring.application.name (the default socket is <tmpdir>/swoole-task-<name>.sock), or"
                        + " free that path.",
                cause);
    }
}
