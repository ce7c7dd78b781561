package io.longlink.webhook;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.longlink.inbox.InboundJson;
import io.longlink.inbox.InboundMessage;
import io.longlink.inbox.JsonBytes;
import io.vertx.core.buffer.Buffer;

/**
 * What one POST carries: {@code {"connection":"<id>","messages":[{"seq","receivedAt","type","data"}]}}, written by
 * hand as UTF-8 ({@link InboundJson}): a batch of a thousand messages through Jackson cost more than its POST.
 */
final class WebhookBody {

    private static final byte[] CONNECTION = "{\"connection\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGES = ",\"messages\":".getBytes(StandardCharsets.US_ASCII);

    private WebhookBody() {
    }

    static Buffer of(String connection, List<InboundMessage> messages) {
        JsonBytes body = new JsonBytes(64 + connection.length() * 2 + InboundJson.arrayLength(messages))
                .append(CONNECTION);
        InboundJson.appendString(body, connection);
        body.append(MESSAGES);
        InboundJson.appendArray(body, messages);
        return body.append((byte) '}').toBuffer();
    }
}
