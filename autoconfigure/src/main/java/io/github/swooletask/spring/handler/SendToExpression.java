package io.github.swooletask.spring.handler;

import org.jspecify.annotations.Nullable;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.ParserContext;
import org.springframework.expression.common.TemplateParserContext;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.StandardEvaluationContext;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.wire.TaskName;

/**
 * A {@code @SendTo("!{...}")} evaluated for each result, as Spring AMQP evaluates one: a SpEL template whose
 * {@code !{...}} parts see a {@link Root} ({@code result}, {@code payload}, {@code task}) and whose value is the
 * name of the task the result becomes, e.g. {@code !{'thumbnail.' + result.size()}}.
 */
final class SendToExpression {

    private static final SpelExpressionParser PARSER = new SpelExpressionParser();

    private static final ParserContext PER_RESULT = new TemplateParserContext("!{", "}");

    private final String text;

    private final Expression expression;

    private SendToExpression(String text, Expression expression) {
        this.text = text;
        this.expression = expression;
    }

    /** Whether a {@code @SendTo} value is one (it holds {@code !{}). */
    static boolean isExpression(String value) {
        return value.contains("!{");
    }

    /** @throws ParseException when it is no SpEL template */
    static SendToExpression parse(String text) {
        return new SendToExpression(text, PARSER.parseExpression(text, PER_RESULT));
    }

    /** As written. */
    String text() {
        return this.text;
    }

    /**
     * The task name for one result.
     * @throws IllegalStateException when the expression fails, or gives no name or one no task can have
     */
    String name(Root root) {
        Object value;
        try {
            // a context per evaluation: workers evaluate at once, and a context is not made to be shared
            value = this.expression.getValue(new StandardEvaluationContext(root));
        }
        catch (RuntimeException ex) {
            throw new IllegalStateException("@SendTo(\"" + this.text + "\") cannot be evaluated for task "
                    + root.task().taskId() + ": " + ex.getMessage(), ex);
        }
        String name = (value != null) ? value.toString().trim() : "";
        try {
            return TaskName.of(name).name();
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalStateException("@SendTo(\"" + this.text + "\") gave '" + name + "' for task "
                    + root.task().taskId() + ", which is no task name: " + ex.getMessage(), ex);
        }
    }

    /**
     * What a {@code !{...}} part sees.
     *
     * @param result what the handler returned for the task (never null: a null result goes nowhere)
     * @param payload the task's payload as the handler received it (its element of a batch handler's list, the
     *     {@code Message} of a {@code Message} parameter), null for a method without one
     * @param task the task's context: {@code task.route}, {@code task.taskId}, {@code task.source}...
     */
    record Root(Object result, @Nullable Object payload, TaskContext task) {
    }
}
