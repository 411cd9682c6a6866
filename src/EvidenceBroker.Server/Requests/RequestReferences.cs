using System.Security.Cryptography;

namespace EvidenceBroker.Server.Requests;

/// <summary>Draws the reference a new request is known by. Intake refuses a drawn reference that is taken and draws again.</summary>
public interface IRequestReferences
{
    string Next(DateTimeOffset now);
}

/// <summary>
/// EB-2026-7Q4K9XM2: short enough to read out on the phone, with no 0/O or 1/I to confuse. Eight random characters
/// of 32 give about 10^12 codes a year, so clashes are rare but, by the birthday bound, not impossible.
/// </summary>
public sealed class RandomRequestReferences : IRequestReferences
{
    private const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    public string Next(DateTimeOffset now)
    {
        // One draw of random bytes for all eight characters: 32 divides 256, so each byte picks a character without
        // bias. (A draw per character cost eight calls into OpenSSL, each asking the kernel for the process id.)
        return $"EB-{now.Year}-{RandomNumberGenerator.GetString(Alphabet, 8)}";
    }
}
