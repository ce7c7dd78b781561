package io.longlink.webhook;

import java.util.List;

import io.longlink.inbox.InboundMessage;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** What one POST carries: {@code {"connection","messages":[{"seq","receivedAt","type","data"}]}}. */
@RegisterForReflection
record WebhookBody(String connection, List<InboundMessage> messages) {
}
