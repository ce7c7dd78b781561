package io.longlink.webhook;

import java.util.List;

import io.longlink.inbox.InboundJson;
import io.longlink.inbox.InboundMessage;
import io.vertx.core.buffer.Buffer;

/**
 * What one POST carries: {@code {"connection":"<id>","messages":[{"seq","receivedAt","type","data"}]}}, written by
 * hand as UTF-8 ({@link InboundJson}): a batch of a thousand messages through Jackson cost more than its POST.
 */
final class WebhookBody {

    private WebhookBody() {
    }

    static Buffer of(String connection, List<InboundMessage> messages) {
        Buffer body = Buffer.buffer(64 + connection.length() * 2 + InboundJson.arrayLength(messages))
                .appendString("{\"connection\":");
        InboundJson.appendString(body, connection);
        body.appendString(",\"messages\":");
        InboundJson.appendArray(body, messages);
        return body.appendByte((byte) '}');
    }
}
