/// R17 (Minn. Stat. §13.09, §626.8472; Policy "Penalties for Misuse"): the login and search
/// screens warn that unauthorized acquisition or use of ALPR data is a crime and grounds for
/// discipline. The pages show exactly this text.
public enum MisuseWarning {
    public static let text = """
        Warning: access to ALPR data is restricted to authorized personnel for a legitimate law \
        enforcement purpose, and every access is recorded. Willful unauthorized acquisition or use \
        of ALPR data is a misdemeanor (Minn. Stat. §13.09) and is grounds for discipline up to and \
        including termination of employment, as well as potential criminal prosecution \
        (Minn. Stat. §626.8472).
        """
}
