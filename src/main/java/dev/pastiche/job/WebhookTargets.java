package dev.pastiche.job;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Which webhook URLs may be called: http(s) only, and — unless allowed — no host that resolves to
 * a loopback, link-local, private, unique-local, wildcard or multicast address, so a webhook cannot
 * reach into the service's own network (SSRF). Checked at submission and again before every send,
 * since DNS answers can change.
 */
final class WebhookTargets {

    private WebhookTargets() {
    }

    /** @throws IllegalArgumentException saying why the URL is refused */
    static URI check(String url, boolean allowPrivate) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("webhook.url is not a valid URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("webhook.url must be an http or https URL with a host");
        }
        if (allowPrivate) {
            return uri;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("webhook.url's host " + uri.getHost() + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw new IllegalArgumentException("webhook.url's host " + uri.getHost() + " is a loopback, link-local or private "
                        + "address, which webhooks may not call (pastiche.webhooks.allow-private)");
            }
        }
        return uri;
    }

    private static boolean internal(InetAddress address) {
        boolean uniqueLocal = address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
        return address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || uniqueLocal;
    }
}
