public enum KohoPlatforms {}
