public enum KohoCore {}
