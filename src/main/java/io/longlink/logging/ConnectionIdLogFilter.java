package io.longlink.logging;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Gives every connection log line a {@code connection} field (MDC), so JSON logs can be filtered by connection.
 * Connection code logs printf-style with the id first, {@code Log.infof("[%s] open", id)}; this filter reads
 * that first argument instead of making every event-loop callback set and clear the MDC. It never drops a
 * record. Linked to the console handler by {@code quarkus.log.console.filter=connection-id}.
 */
@LoggingFilter(name = "connection-id")
public final class ConnectionIdLogFilter implements Filter {

    static final String FIELD = "connection";
    private static final String PREFIX = "[%s]";

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record instanceof ExtLogRecord ext && ext.getFormatStyle() == ExtLogRecord.FormatStyle.PRINTF
                && ext.getMessage() != null && ext.getMessage().startsWith(PREFIX)) {
            Object[] parameters = ext.getParameters();
            if (parameters != null && parameters.length > 0 && parameters[0] instanceof String id) {
                ext.putMdc(FIELD, id);
            }
        }
        return true;
    }
}
