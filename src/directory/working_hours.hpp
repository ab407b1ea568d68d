// When a point of contact can be expected to answer: its weekly working hours in its own IANA
// time zone, or around the clock. Pure functions over the tz database; thread-safe.
#pragma once

#include <string>

#include "core/time.hpp"
#include "directory/contacts.hpp"

namespace liaison::directory {

// What working-hours arithmetic needs of a contact; campaigns keep a copy per target.
struct Availability {
  std::string time_zone;  // IANA name; an unknown name is treated as UTC.
  WorkingHours working_hours;
  bool available_24_7 = false;
};

// The availability part of `contact`.
Availability AvailabilityOf(const PointOfContact& contact);

// True when `t` falls within one of the contact's intervals for that local weekday (an interval
// includes its start and excludes its end), or always for a 24/7 contact. False for a contact
// with no hours that is not 24/7.
bool IsWithinWorkingHours(const Availability& availability, TimePoint t);
bool IsWithinWorkingHours(const PointOfContact& contact, TimePoint t);

// The hours of [from, to) that fall within the contact's working hours, measured in elapsed
// time, so that a day of 00:00-24:00 across a change to summer time counts 23 hours. For a 24/7
// contact, the wall-clock hours of the interval. 0 when `to` <= `from`.
double WorkingHoursBetween(const Availability& availability, TimePoint from, TimePoint to);
double WorkingHoursBetween(const PointOfContact& contact, TimePoint from, TimePoint to);

}  // namespace liaison::directory
