package io.github.swooletask.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.swooletask.wire.SpillDirectoryException;

/** Explains a startup that failed on the spill directory and names the property to set. */
class SpillDirectoryFailureAnalyzer extends AbstractFailureAnalyzer<SpillDirectoryException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SpillDirectoryException cause) {
        return new FailureAnalysis("The spill directory cannot be used: " + cause.getMessage(),
                "Set swoole.task.tmpdir to an existing directory with a short path (external producers such as"
                        + " Swoole's PHP client spill into /tmp, the default).",
                cause);
    }
}
