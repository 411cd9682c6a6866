namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The API's authentication scheme: OpenIddict's bearer-token validation behind a cache of tokens this node has
/// already validated (<see cref="BrokerBearerHandler"/>). Policies name this scheme, never OpenIddict's directly,
/// so that every API call goes through the cache.
/// </summary>
public static class BrokerBearer
{
    public const string Scheme = "BrokerBearer";
}
