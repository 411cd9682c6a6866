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
        Span<char> code = stackalloc char[8];
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return $"EB-{now.Year}-{code}";
    }
}
